import pytest
from part6_exercise_support import make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("exercise-pki"))
