"""Who owns which part of the work: the partitions a process serves and how leases on them conflict."""
