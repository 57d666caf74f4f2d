app_name = "marketplace_api"
urlpatterns: list = []
