module.exports = require('../../webpack.app.js')('gateway');
