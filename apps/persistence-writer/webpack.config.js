module.exports = require('../../webpack.app.js')('persistence-writer');
