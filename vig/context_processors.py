from django.conf import settings


def service(request):
    return {
        "service_name": settings.VIG_SERVICE_NAME,
        "service_contact": settings.VIG_SERVICE_CONTACT,
    }
