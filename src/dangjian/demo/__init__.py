"""Demo data: a fictional 示范县 shaped like 宁化县 in the seed article (`dangjian demo`)."""
