package vectors_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/recurrent-go/recurrent/vectors"
)

func ExampleIndex_Analogy() {
	v, err := vectors.Read(strings.NewReader(`4 3
man 1 0 1
woman 0 1 1
king 1 0 2
queen 0 1 2
`))
	if err != nil {
		panic(err)
	}
	x := vectors.NewIndex(v)
	ns, _ := x.Analogy("man", "woman", "king", vectors.CosAdd, 1, 0)
	fmt.Printf("%s %.3f\n", ns[0].Word, ns[0].Score)
	// Output: queen 0.955
}

func ExampleEvaluateAnalogies() {
	v, _ := vectors.Read(strings.NewReader(`4 3
man 1 0 1
woman 0 1 1
king 1 0 2
queen 0 1 2
`))
	set, _ := vectors.ReadAnalogies(strings.NewReader(`: family
Man Woman King Queen
man woman prince princess
`))
	rep, _ := vectors.EvaluateAnalogies(context.Background(), vectors.NewIndex(v), set, vectors.AnalogyOptions{Restrict: 30000})
	fmt.Printf("%s: %d/%d correct, %d OOV\n", rep.Sections[0].Name, rep.Total.Correct, rep.Total.Correct+rep.Total.Incorrect, rep.OOV)
	// Output: family: 1/1 correct, 1 OOV
}
