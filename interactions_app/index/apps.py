from django.apps import AppConfig


class InteractionIndexConfig(AppConfig):
    name = "interactions_app.index"
    label = "interaction_index"
    verbose_name = "Interaction index"
    default_auto_field = "django.db.models.BigAutoField"
