module bench

go 1.19

require github.com/corona10/goimagehash v1.1.0

require github.com/nfnt/resize v0.0.0-20180221191011-83c6a9932646 // indirect
