module.exports = require('./dist/api');
