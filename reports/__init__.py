"""The weekly HTML report and CI outputs; renders only from results."""
