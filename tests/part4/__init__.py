"""Part 4's tests (a package, so their module names cannot clash with other parts')."""
