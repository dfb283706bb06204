"""Engines measure; `judge` decides. `sql` pushes one fused query per table into the warehouse,
`frame` validates pandas DataFrames with pandera. Both return the same `Measurement`s."""
