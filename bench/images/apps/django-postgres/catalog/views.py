from django.http import JsonResponse

from catalog.models import Product


def products(request):
    return JsonResponse({"products": list(Product.objects.values("id", "name", "price_cents"))})


def health(request):
    return JsonResponse({"status": "ok"})
