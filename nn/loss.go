package nn

import "math"

// SoftmaxCrossEntropy returns the mean cross-entropy of logits [batch,
// classes] against labels (labels[i·stride] is sample i's class) and
// overwrites dLogits with its gradient. It also returns how many samples
// the arg-max gets right. Sums run in float64.
func SoftmaxCrossEntropy[F Float](dLogits, logits []F, labels []int32, stride, batch, classes int) (loss float64, correct int) {
	inv := 1 / float64(batch)
	for i := 0; i < batch; i++ {
		row := logits[i*classes : (i+1)*classes]
		y := int(labels[i*stride])
		mx, arg := row[0], 0
		for j, v := range row {
			if v > mx {
				mx, arg = v, j
			}
		}
		if arg == y {
			correct++
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v - mx))
		}
		loss += (math.Log(sum) - float64(row[y]-mx)) * inv
		if dLogits != nil {
			d := dLogits[i*classes : (i+1)*classes]
			for j, v := range row {
				p := math.Exp(float64(v-mx)) / sum
				if j == y {
					p--
				}
				d[j] = F(p * inv)
			}
		}
	}
	return loss, correct
}
