require('../src/schema')
