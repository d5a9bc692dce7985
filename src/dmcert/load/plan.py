"""What one load run is: its data plan (the data set it prepares, named under a run prefix)
and the settings the Locust processes need.

The parent process prepares the data set; the Locust users derive the same names from the
plan, so nothing but this small JSON document travels from the parent (or the master) to
the workers. It holds no secret: keys reach the Locust processes through a keys file.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass

# How the parent process and the Locust processes find each other's output.
KEYS_ENV = "DMCERT_LOAD_KEYS"  # path of the keys file (target profile)
KEY_NAME_ENV = "DMCERT_LOAD_KEY"  # which key of it to use
PROGRESS_MARK = "DMCERT-PROGRESS "  # prefix of the master's progress lines (JSON follows)
RECORDING_FILE = "recording.json"  # the merged recording the master writes
USERS_COUNTER = "active users "  # + bucket start: a recording counter, the users then active


def new_run_prefix() -> str:
    """`LT-<8 hex>-`: unique per run, so two runs against one target never collide."""
    return f"LT-{secrets.token_hex(4)}-"


@dataclass(frozen=True)
class DataPlan:
    """The data set a workload needs, all named under `prefix`.

    Inventory row `i` of the data set pairs location `i % locations` with product
    `i // locations`; `inventory` is a multiple of `locations` and at most
    `locations * products`, so rows are distinct, every location has the same number of
    rows, and each of the first `inventory // locations` products has one per location.
    """

    prefix: str
    locations: int = 0
    products: int = 0
    orders: int = 0
    inventory: int = 0

    def location(self, index: int) -> str:
        return f"{self.prefix}L{index:05d}"

    def sku(self, index: int) -> str:
        return f"{self.prefix}P{index:05d}"

    def order_number(self, index: int) -> str:
        return f"{self.prefix}O{index:05d}"

    def external_order_id(self, index: int) -> str:
        return f"{self.prefix}E{index:05d}"

    def fresh_location(self, worker: int, user: int, index: int) -> str:
        """A location a bulk user creates during the run for new (location, SKU) pairs."""
        return f"{self.prefix}B{worker}-{user}-{index}"

    def inventory_pair(self, index: int) -> tuple[str, str]:
        return (
            self.location(index % self.locations),
            self.sku(index // self.locations),
        )

    def rows_per_location(self) -> int:
        """Inventory rows of the data set at each location (the lower bound a lookup checks)."""
        return self.inventory // self.locations if self.locations else 0

    def skus_with_rows(self) -> int:
        """How many products (the first ones) have rows in the data set: one at every location."""
        return self.inventory // self.locations if self.locations else 0


@dataclass(frozen=True)
class RunSettings:
    """Everything a Locust process needs besides the target URL and the key."""

    workload: str
    plan: DataPlan
    batch_size: int = 500
    rate: float = 0.0  # open model: total arrivals per second; 0 = closed model
    wait: tuple[float, float] = (0.0, 0.0)  # closed model: seconds between a user's requests
    duration_s: float = 60.0
    max_requests: int = 0  # 0 = no cap
    bucket_s: int = 1
    out: str = ""  # where the master (or the local runner) writes its recording

    @property
    def open_model(self) -> bool:
        return self.rate > 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RunSettings:
        data = json.loads(text)
        data["plan"] = DataPlan(**data["plan"])
        data["wait"] = tuple(data["wait"])
        return cls(**data)
