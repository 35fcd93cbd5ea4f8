module.exports = require('../../webpack.app.js')('admin-api');
