package checkpoint

// EpochDue reports whether a trainer that writes its checkpoint every
// `every` epochs (0 or 1: every epoch) saves after finishing epoch (1-based)
// of epochs. The last epoch and an early stop (stopped) always save, so a
// finished run is always on disk.
func EpochDue(epoch, epochs, every int, stopped bool) bool {
	return stopped || epoch >= epochs || every <= 1 || epoch%every == 0
}
