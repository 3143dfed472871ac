"""Part 3's tests (a package, so their module names cannot clash with other parts')."""
