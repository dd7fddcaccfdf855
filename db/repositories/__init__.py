"""Every query lives here. Tenant data is always filtered by the viewer's memberships."""
