package discover

// v8Sort sorts a in place exactly as V8's Array.prototype.sort does (the
// TimSort of V8's third_party/v8/builtins/array-sort.tq, itself CPython's
// listsort): the same runs, binary insertions, merges and galloping, so
// the same comparisons are made in the same order. With a comparator that
// is not a total order, such as the reference's finder's (it orders only
// files of the same name), the outcome depends on those details: this
// gives the outcome node gives.
func v8Sort[T any](a []T, cmp func(x, y T) int) {
	n := len(a)
	if n < 2 {
		return
	}
	s := &timSort[T]{a: a, cmp: cmp, minGallop: minGallop}
	low, remaining := 0, n
	minRun := minRunLength(remaining)
	for remaining != 0 {
		run := s.countAndMakeRun(low, low+remaining)
		if run < minRun {
			forced := min(minRun, remaining)
			s.binaryInsertionSort(low, low+run, low+forced)
			run = forced
		}
		s.runs = append(s.runs, sortRun{low, run})
		s.mergeCollapse()
		low += run
		remaining -= run
	}
	s.mergeForceCollapse()
}

// minGallop is where galloping starts (V8's and CPython's MIN_GALLOP).
const minGallop = 7

type sortRun struct{ base, length int }

type timSort[T any] struct {
	a         []T
	cmp       func(x, y T) int
	minGallop int
	runs      []sortRun
	tmp       []T
}

func minRunLength(n int) int {
	r := 0
	for n >= 64 {
		r |= n & 1
		n >>= 1
	}
	return n + r
}

// countAndMakeRun returns the length of the run starting at low, reversing
// it when it is strictly descending.
func (s *timSort[T]) countAndMakeRun(low, high int) int {
	if low+1 == high {
		return 1
	}
	length := 2
	prev := s.a[low+1]
	descending := s.cmp(prev, s.a[low]) < 0
	for i := low + 2; i < high; i++ {
		order := s.cmp(s.a[i], prev)
		if descending && order >= 0 || !descending && order < 0 {
			break
		}
		prev = s.a[i]
		length++
	}
	if descending {
		for i, j := low, low+length-1; i < j; i, j = i+1, j-1 {
			s.a[i], s.a[j] = s.a[j], s.a[i]
		}
	}
	return length
}

// binaryInsertionSort extends the sorted a[low:start] to a[low:high].
func (s *timSort[T]) binaryInsertionSort(low, start, high int) {
	if low == start {
		start++
	}
	for ; start < high; start++ {
		left, right := low, start
		pivot := s.a[start]
		for left < right {
			mid := left + (right-left)>>1
			if s.cmp(pivot, s.a[mid]) < 0 {
				right = mid
			} else {
				left = mid + 1
			}
		}
		copy(s.a[left+1:start+1], s.a[left:start])
		s.a[left] = pivot
	}
}

// invariant reports whether run n-2 is longer than runs n-1 and n
// together (true for n < 2).
func (s *timSort[T]) invariant(n int) bool {
	if n < 2 {
		return true
	}
	return s.runs[n-2].length > s.runs[n-1].length+s.runs[n].length
}

func (s *timSort[T]) mergeCollapse() {
	for len(s.runs) > 1 {
		n := len(s.runs) - 2
		switch {
		case !s.invariant(n+1) || !s.invariant(n):
			if s.runs[n-1].length < s.runs[n+1].length {
				n--
			}
			s.mergeAt(n)
		case s.runs[n].length <= s.runs[n+1].length:
			s.mergeAt(n)
		default:
			return
		}
	}
}

func (s *timSort[T]) mergeForceCollapse() {
	for len(s.runs) > 1 {
		n := len(s.runs) - 2
		if n > 0 && s.runs[n-1].length < s.runs[n+1].length {
			n--
		}
		s.mergeAt(n)
	}
}

// mergeAt merges runs i and i+1.
func (s *timSort[T]) mergeAt(i int) {
	baseA, lenA := s.runs[i].base, s.runs[i].length
	baseB, lenB := s.runs[i+1].base, s.runs[i+1].length
	s.runs[i].length = lenA + lenB
	s.runs = append(s.runs[:i+1], s.runs[i+2:]...)

	k := s.gallopRight(s.a, s.a[baseB], baseA, lenA, 0)
	baseA += k
	lenA -= k
	if lenA == 0 {
		return
	}
	lenB = s.gallopLeft(s.a, s.a[baseA+lenA-1], baseB, lenB, lenB-1)
	if lenB == 0 {
		return
	}
	if lenA <= lenB {
		s.mergeLow(baseA, lenA, baseB, lenB)
	} else {
		s.mergeHigh(baseA, lenA, baseB, lenB)
	}
}

// gallopLeft returns k with arr[base+k-1] < key <= arr[base+k], searching
// from hint.
func (s *timSort[T]) gallopLeft(arr []T, key T, base, length, hint int) int {
	lastOfs, ofs := 0, 1
	if s.cmp(arr[base+hint], key) < 0 {
		maxOfs := length - hint
		for ofs < maxOfs && s.cmp(arr[base+hint+ofs], key) < 0 {
			lastOfs = ofs
			ofs = ofs<<1 + 1
		}
		ofs = min(ofs, maxOfs)
		lastOfs += hint
		ofs += hint
	} else {
		maxOfs := hint + 1
		for ofs < maxOfs && s.cmp(arr[base+hint-ofs], key) >= 0 {
			lastOfs = ofs
			ofs = ofs<<1 + 1
		}
		ofs = min(ofs, maxOfs)
		lastOfs, ofs = hint-ofs, hint-lastOfs
	}
	lastOfs++
	for lastOfs < ofs {
		m := lastOfs + (ofs-lastOfs)>>1
		if s.cmp(arr[base+m], key) < 0 {
			lastOfs = m + 1
		} else {
			ofs = m
		}
	}
	return ofs
}

// gallopRight returns k with arr[base+k-1] <= key < arr[base+k],
// searching from hint.
func (s *timSort[T]) gallopRight(arr []T, key T, base, length, hint int) int {
	lastOfs, ofs := 0, 1
	if s.cmp(key, arr[base+hint]) < 0 {
		maxOfs := hint + 1
		for ofs < maxOfs && s.cmp(key, arr[base+hint-ofs]) < 0 {
			lastOfs = ofs
			ofs = ofs<<1 + 1
		}
		ofs = min(ofs, maxOfs)
		lastOfs, ofs = hint-ofs, hint-lastOfs
	} else {
		maxOfs := length - hint
		for ofs < maxOfs && s.cmp(key, arr[base+hint+ofs]) >= 0 {
			lastOfs = ofs
			ofs = ofs<<1 + 1
		}
		ofs = min(ofs, maxOfs)
		lastOfs += hint
		ofs += hint
	}
	lastOfs++
	for lastOfs < ofs {
		m := lastOfs + (ofs-lastOfs)>>1
		if s.cmp(key, arr[base+m]) < 0 {
			ofs = m
		} else {
			lastOfs = m + 1
		}
	}
	return ofs
}

// mergeLow merges the adjacent runs A and B, A the shorter, front to back.
func (s *timSort[T]) mergeLow(baseA, lenA, baseB, lenB int) {
	a := s.a
	s.tmp = append(s.tmp[:0], a[baseA:baseA+lenA]...)
	tmp := s.tmp
	dest, cursorT, cursorB := baseA, 0, baseB
	a[dest] = a[cursorB]
	dest++
	cursorB++
	lenB--
	if lenB == 0 {
		copy(a[dest:], tmp[cursorT:cursorT+lenA])
		return
	}
	if lenA == 1 {
		copy(a[dest:], a[cursorB:cursorB+lenB])
		a[dest+lenB] = tmp[cursorT]
		return
	}
	gallop := s.minGallop
	for {
		winsA, winsB := 0, 0
		for {
			if s.cmp(a[cursorB], tmp[cursorT]) < 0 {
				a[dest] = a[cursorB]
				dest++
				cursorB++
				winsB++
				lenB--
				winsA = 0
				if lenB == 0 {
					goto succeed
				}
				if winsB >= gallop {
					break
				}
			} else {
				a[dest] = tmp[cursorT]
				dest++
				cursorT++
				winsA++
				lenA--
				winsB = 0
				if lenA == 1 {
					goto copyB
				}
				if winsA >= gallop {
					break
				}
			}
		}
		gallop++
		for first := true; first || winsA >= minGallop || winsB >= minGallop; first = false {
			gallop = max(1, gallop-1)
			s.minGallop = gallop
			winsA = s.gallopRight(tmp, a[cursorB], cursorT, lenA, 0)
			if winsA > 0 {
				copy(a[dest:], tmp[cursorT:cursorT+winsA])
				dest += winsA
				cursorT += winsA
				lenA -= winsA
				if lenA == 1 {
					goto copyB
				}
				if lenA == 0 {
					goto succeed
				}
			}
			a[dest] = a[cursorB]
			dest++
			cursorB++
			lenB--
			if lenB == 0 {
				goto succeed
			}
			winsB = s.gallopLeft(a, tmp[cursorT], cursorB, lenB, 0)
			if winsB > 0 {
				copy(a[dest:], a[cursorB:cursorB+winsB])
				dest += winsB
				cursorB += winsB
				lenB -= winsB
				if lenB == 0 {
					goto succeed
				}
			}
			a[dest] = tmp[cursorT]
			dest++
			cursorT++
			lenA--
			if lenA == 1 {
				goto copyB
			}
		}
		gallop++
		s.minGallop = gallop
	}
succeed:
	if lenA > 0 {
		copy(a[dest:], tmp[cursorT:cursorT+lenA])
	}
	return
copyB:
	copy(a[dest:], a[cursorB:cursorB+lenB])
	a[dest+lenB] = tmp[cursorT]
}

// mergeHigh merges the adjacent runs A and B, B the shorter, back to
// front.
func (s *timSort[T]) mergeHigh(baseA, lenA, baseB, lenB int) {
	a := s.a
	s.tmp = append(s.tmp[:0], a[baseB:baseB+lenB]...)
	tmp := s.tmp
	dest, cursorT, cursorA := baseB+lenB-1, lenB-1, baseA+lenA-1
	a[dest] = a[cursorA]
	dest--
	cursorA--
	lenA--
	if lenA == 0 {
		copy(a[dest-(lenB-1):], tmp[:lenB])
		return
	}
	if lenB == 1 {
		dest -= lenA
		cursorA -= lenA
		copy(a[dest+1:], a[cursorA+1:cursorA+1+lenA])
		a[dest] = tmp[cursorT]
		return
	}
	gallop := s.minGallop
	for {
		winsA, winsB := 0, 0
		for {
			if s.cmp(tmp[cursorT], a[cursorA]) < 0 {
				a[dest] = a[cursorA]
				dest--
				cursorA--
				winsA++
				lenA--
				winsB = 0
				if lenA == 0 {
					goto succeed
				}
				if winsA >= gallop {
					break
				}
			} else {
				a[dest] = tmp[cursorT]
				dest--
				cursorT--
				winsB++
				lenB--
				winsA = 0
				if lenB == 1 {
					goto copyA
				}
				if winsB >= gallop {
					break
				}
			}
		}
		gallop++
		for first := true; first || winsA >= minGallop || winsB >= minGallop; first = false {
			gallop = max(1, gallop-1)
			s.minGallop = gallop
			k := s.gallopRight(a, tmp[cursorT], baseA, lenA, lenA-1)
			winsA = lenA - k
			if winsA > 0 {
				dest -= winsA
				cursorA -= winsA
				copy(a[dest+1:], a[cursorA+1:cursorA+1+winsA])
				lenA -= winsA
				if lenA == 0 {
					goto succeed
				}
			}
			a[dest] = tmp[cursorT]
			dest--
			cursorT--
			lenB--
			if lenB == 1 {
				goto copyA
			}
			k = s.gallopLeft(tmp, a[cursorA], 0, lenB, lenB-1)
			winsB = lenB - k
			if winsB > 0 {
				dest -= winsB
				cursorT -= winsB
				copy(a[dest+1:], tmp[cursorT+1:cursorT+1+winsB])
				lenB -= winsB
				if lenB == 1 {
					goto copyA
				}
				if lenB == 0 {
					goto succeed
				}
			}
			a[dest] = a[cursorA]
			dest--
			cursorA--
			lenA--
			if lenA == 0 {
				goto succeed
			}
		}
		gallop++
		s.minGallop = gallop
	}
succeed:
	if lenB > 0 {
		copy(a[dest-(lenB-1):], tmp[:lenB])
	}
	return
copyA:
	dest -= lenA
	cursorA -= lenA
	copy(a[dest+1:], a[cursorA+1:cursorA+1+lenA])
	a[dest] = tmp[cursorT]
}
