from django.apps import AppConfig


class InteractionsAppConfig(AppConfig):
    name = "interactions_app"
    verbose_name = "Interactions"

    def ready(self) -> None:
        from .caching import viewer

        viewer.connect()  # kept viewer facts are dropped when rights or preferences change
