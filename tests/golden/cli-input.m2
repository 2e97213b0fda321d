S Port talks stall

S The ministers will now no longer meet before June , an aide stated .
A 3 6|||R:SPIN|||not|||REQUIRED|||-NONE-|||0
A 12 13|||R:SPIN|||said|||REQUIRED|||-NONE-|||0

S Weather extrude , she said , was " an excessive price " < b > to pay < / b > with the aid of using anyone .
A 0 2|||R:SPIN|||Climate change|||REQUIRED|||-NONE-|||0
A 8 10|||R:SPIN|||a high|||REQUIRED|||-NONE-|||0
A 21 26|||R:SPIN|||by|||REQUIRED|||-NONE-|||0

