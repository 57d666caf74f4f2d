app_name = "matching_api"
urlpatterns: list = []
