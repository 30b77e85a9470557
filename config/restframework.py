"""The module of config.apps.RestFrameworkResources: REST framework's app
directory without its template tags (nothing here)."""
