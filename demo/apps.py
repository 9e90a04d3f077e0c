from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo organisations and their history, small and province-sized; no models, and no app imports it."""

    name = "demo"
