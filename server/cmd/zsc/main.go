// Command zsc is the 掌上查 server and its admin tool, in one binary:
//
//	zsc serve [--data DIR] [--db data/zsc.db] [--addr :8080] [--demo] ...  (zsc serve --help: every setting, each also a ZSC_* variable)
//	zsc import-plan FILE --year 2024 [--db ...]
//	zsc import-checklists FILE [--db ...]
//	zsc import-entities FILE [--db ...]
//	zsc user add --username U --password P --role R --dept D --region R [--name N] [--cert C]
//	zsc migrate [--db ...]
//	zsc backup DIR [--db ...]
//	zsc restore DIR --db PATH
//	zsc export --db SRC --out FILE
//	zsc import-db --db DST --in FILE
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Main(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zsc:", err)
		os.Exit(1)
	}
}
