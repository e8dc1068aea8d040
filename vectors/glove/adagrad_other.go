//go:build !amd64 || purego

package glove

// adagrad applies one AdaGrad step to a word and a context vector: the
// gradients are g*wt and g*w (g = eta * f(X) * error).
func adagrad(g float32, w, wt, gw, gwt []float32) { adagradGo(g, w, wt, gw, gwt) }
