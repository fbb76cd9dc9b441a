from django.apps import AppConfig


class InteractionsAppConfig(AppConfig):
    name = "interactions_app"
    verbose_name = "Interactions"
