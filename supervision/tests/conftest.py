# The clips tests' media fixtures (generated films, a storage of one's own per test) and
# the role matrix's world (one of everything around the case).
from clips.tests.conftest import film_folder, h264_film  # noqa: F401
from vig.tests.test_role_matrix import world  # noqa: F401
