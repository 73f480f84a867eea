import factory

from accounts.models import User

PASSWORD = "a-long-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = User.Role.PRACTITIONER
    password = factory.django.Password(PASSWORD)

    class Params:
        administrator = factory.Trait(role=User.Role.ADMINISTRATOR, is_staff=True, is_superuser=True)
        supervisor = factory.Trait(role=User.Role.SUPERVISOR)
