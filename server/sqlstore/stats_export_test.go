package sqlstore

// StoreStatsQuery is storeStatsQuery, for stats_test.go's plan check.
const StoreStatsQuery = storeStatsQuery
