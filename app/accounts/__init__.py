"""The account view: a customer as a salesperson sees it before a renewal or upsell call."""
