package http

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// publicDrawLimit is how many of the latest draws /public lists.
const publicDrawLimit = 200

// publicDraws answers GET /api/v1/public/draws: anyone, no login,
// rate-limited per address. Each draw's record — task, plan, region,
// departments, snapshot hash, seed and how it was made, algorithm and the
// counts of each stratum — is published so that anyone can check that a
// draw followed from a seed nobody chose (DESIGN §8.7).
func (o *office) publicDraws(c echo.Context) error {
	ds, err := o.s.DB.PublicDraws(c.Request().Context(), publicDrawLimit)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, map[string]any{"count": len(ds), "draws": ds})
}
