# The clips tests' media fixtures: generated films and a storage of one's own per test.
from clips.tests.conftest import film_folder, h264_film, media_root  # noqa: F401
