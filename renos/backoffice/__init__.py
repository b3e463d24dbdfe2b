"""The staff back office: the admin site, its dashboard and the admin views that span several apps."""
