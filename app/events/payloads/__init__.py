"""The `data` of each event type: one pydantic model per type, documented and with an example.

They describe what `app.core.outbox.record_event` stores: the aggregate's id (`risk_id`…), its
`version`, the project (`project_id`) for a project's parts, then the type's own fields.
`app.events.catalogue` lists them; a test checks every recorded payload against them.
"""
