"""Local fakes of the CRM APIs Handover reads won deals from, for tests and the benchmark.

Each answers in its provider's documented shapes (each module's docstring names its sources) on a
real HTTP server: `with running(HubSpotFake(token="...")) as hubspot: hubspot.base_url`.
"""

from tests.crm.fakes.hubspot import HubSpotFake
from tests.crm.fakes.pipedrive import PipedriveFake
from tests.crm.fakes.salesforce import SalesforceFake
from tests.crm.fakes.server import FakeCRM, RecordedCall, running

__all__ = ["FakeCRM", "HubSpotFake", "PipedriveFake", "RecordedCall", "SalesforceFake", "running"]
