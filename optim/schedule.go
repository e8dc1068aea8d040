package optim

import "math"

// Schedule gives the learning rate for a 0-based step (or epoch, depending
// on how the caller counts). Call opt.SetLR(s(step)) before each Step.
type Schedule func(step int) float64

// Constant returns lr at every step.
func Constant(lr float64) Schedule { return func(int) float64 { return lr } }

// StepLR multiplies base by gamma every stepSize steps, as
// torch.optim.lr_scheduler.StepLR: base * gamma^floor(step/stepSize).
func StepLR(base float64, stepSize int, gamma float64) Schedule {
	if stepSize < 1 {
		stepSize = 1
	}
	return func(step int) float64 { return base * math.Pow(gamma, float64(max(step, 0)/stepSize)) }
}

// ExponentialLR returns base * gamma^step, as
// torch.optim.lr_scheduler.ExponentialLR.
func ExponentialLR(base, gamma float64) Schedule {
	return func(step int) float64 { return base * math.Pow(gamma, float64(max(step, 0))) }
}

// LinearWarmupDecay rises linearly from 0 to base over warmup steps, then
// falls linearly to 0 at step total (and stays 0), as transformers'
// get_linear_schedule_with_warmup: base*step/warmup for step < warmup,
// else base*max(0, (total-step)/(total-warmup)).
func LinearWarmupDecay(base float64, warmup, total int) Schedule {
	return func(step int) float64 {
		if step < warmup {
			return base * float64(step) / float64(warmup)
		}
		if total <= warmup {
			return 0
		}
		return base * math.Max(0, float64(total-step)/float64(total-warmup))
	}
}

// CosineWarmup rises linearly from 0 to base over warmup steps, then
// follows half a cosine from base down to minLR at step total (and stays
// there): minLR + (base-minLR) * (1 + cos(pi*progress)) / 2.
func CosineWarmup(base float64, warmup, total int, minLR float64) Schedule {
	return func(step int) float64 {
		if step < warmup {
			return base * float64(step) / float64(warmup)
		}
		progress := 1.0
		if total > warmup {
			progress = math.Min(1, float64(step-warmup)/float64(total-warmup))
		}
		return minLR + (base-minLR)*(1+math.Cos(math.Pi*progress))/2
	}
}

// InverseTimeDecay returns base / (1 + decay*step), the schedule of
// Lample et al. (2016) when counted in epochs.
func InverseTimeDecay(base, decay float64) Schedule {
	return func(step int) float64 { return base / (1 + decay*float64(max(step, 0))) }
}
