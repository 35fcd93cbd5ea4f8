module.exports = require('../../webpack.app.js')('cli');
