module joinery.test/loopbackpki

go 1.22
