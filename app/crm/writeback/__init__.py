"""Write-back: sales sees delivery where it works, on the CRM deal the project came from.

- `produce`: a listener on recorded events adds write-backs in the change's own transaction.
- `state`: the delivery fields of a project, computed when they are sent (always the latest).
- `writers`: one per CRM, in its documented API shapes.
- `send`: the dispatcher; claims due write-backs with leases, coalesces per deal, retries.
- `service`: what the API lists and retries.
"""

# The listener registers itself on import: importing anything of write-back (app.crm.service
# does, for the field maps) makes every transaction of the process produce write-backs.
from app.crm.writeback import produce as produce
