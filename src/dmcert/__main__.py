from dmcert.cli import main

raise SystemExit(main())
