# Filled in by the chaos test work.
