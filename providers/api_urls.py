app_name = "providers_api"
urlpatterns: list = []
