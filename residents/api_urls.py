app_name = "residents_api"
urlpatterns: list = []
