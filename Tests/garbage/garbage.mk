# Filled in by the garbage test work.
