// Package config reads a command's settings from flags and ZSC_*
// environment variables: every flag --some-name has the variable
// ZSC_SOME_NAME, and a flag given on the command line wins over its
// variable (a service unit sets the variables, an operator tries a flag).
package config

import (
	"flag"
	"fmt"
	"net"
	"strings"
)

// EnvName is the environment variable of a flag: ZSC_ and the flag's name
// in capitals with - as _.
func EnvName(flagName string) string {
	return "ZSC_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Parse parses args into fs, then sets every flag that args did not name
// from its variable, if getenv has one. A bad value is an error naming the
// variable. Each flag's help names its variable (zsc serve --help).
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	fs.VisitAll(func(f *flag.Flag) {
		if env := EnvName(f.Name); !strings.Contains(f.Usage, env) {
			f.Usage += " [" + env + "]"
		}
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags are written --name value)", fs.Arg(0))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := EnvName(f.Name)
		v := getenv(env)
		if err != nil || given[f.Name] || v == "" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("environment variable %s=%q: %w", env, v, serr)
		}
	})
	return err
}

// CIDRs is a repeatable flag of address ranges, e.g. --trusted-proxy
// 10.0.0.0/8 --trusted-proxy fd00::/8; one value may also list several
// separated by commas (how its environment variable gives more than one).
// A bare address is a range of one.
type CIDRs []*net.IPNet

func (c *CIDRs) String() string {
	if c == nil {
		return ""
	}
	s := make([]string, len(*c))
	for i, n := range *c {
		s[i] = n.String()
	}
	return strings.Join(s, ",")
}

// Set adds the ranges in v.
func (c *CIDRs) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			ip := net.ParseIP(part)
			if ip == nil {
				return fmt.Errorf("%q is neither an address range (CIDR, e.g. 10.0.0.0/8) nor an address", part)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			*c = append(*c, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return fmt.Errorf("%q is not an address range (CIDR, e.g. 10.0.0.0/8)", part)
		}
		*c = append(*c, n)
	}
	return nil
}
