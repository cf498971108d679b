"""The domain: plain Python that imports and is tested without Django settings (no django, netbox or service imports)."""  # noqa: E501
