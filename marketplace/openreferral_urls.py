app_name = "openreferral"
urlpatterns: list = []
