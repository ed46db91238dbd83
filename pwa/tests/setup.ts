// Every test file gets an in-memory IndexedDB (fake-indexeddb) and a fresh database.
import 'fake-indexeddb/auto'
import { beforeEach } from 'vitest'
import { resetDatabaseForTests } from '../src/db/index'

beforeEach(async () => {
  await resetDatabaseForTests()
})
