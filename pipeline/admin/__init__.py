from . import leads, loop  # noqa: F401  (each registers its models with the admin site)
