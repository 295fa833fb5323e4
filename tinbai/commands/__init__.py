"""Sub-commands of ``tinbai`` that live in their own modules."""
