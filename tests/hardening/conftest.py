import sys
from pathlib import Path

# The hostile-packet strategies live beside these tests.
sys.path.insert(0, str(Path(__file__).parent))
